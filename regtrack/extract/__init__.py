"""Facts a regression tracker needs, extracted from one message's text.

Every extractor is a pure function: text (or a parsed message) in, frozen
records out.  None touches the network or the database, and none raises on
bad input.  Patterns are written so that their running time stays linear
in the length of the input (each test module has a case proving it).
"""
