"""Running the command jobs the emulator receives: scheduling, inputs, the command line, logs, outputs."""
