"""Route groups of the emulator, one module each; ``app.build_application`` puts them in order."""
