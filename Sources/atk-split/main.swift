// Placeholder until this tool lands; see the issue tracker.
import ATKCommandLine
print("atk-split: not built yet")
