# fish completion for atk-run (the other atk tools generate theirs:
# atk-TOOL --generate-completion-script fish).
complete -c atk-run -l db -r -F -d 'the journal database'
complete -c atk-run -s s -l session -x -d 'name the session'
complete -c atk-run -s j -l jobs -x -d 'run N copies of the pipeline through GNU parallel'
complete -c atk-run -l sshlogin -x -d 'with --jobs, run the copies on these machines'
complete -c atk-run -s n -l dry-run -d 'print the commands that would run, and run nothing'
complete -c atk-run -l resume -d 'replay the incomplete origins of a session'
complete -c atk-run -l retry-failed -d 'with --resume, also replay the origins that failed'
complete -c atk-run -l progress -d 'draw the progress line, even off a terminal'
complete -c atk-run -l no-progress -d 'draw no progress line'
complete -c atk-run -s h -l help -d 'show the help'
complete -c atk-run -l version -d 'show the version'
