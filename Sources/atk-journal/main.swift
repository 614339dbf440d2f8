// Placeholder until this tool lands; see the issue tracker.
import ATKCommandLine
print("atk-journal: not built yet")
