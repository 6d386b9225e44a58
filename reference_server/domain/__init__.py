"""The rules of live chat, written once (standard library only).

The reference server and the simulator both call these functions. Nothing here reads a
clock, draws a random number or does I/O: time (``now``), randomness and state are passed in.
"""
