"""The telephone line (听报热线): callers dial in over SIP and listen to the paper with the keypad.

Imports `paper` only. What a caller hears is decided by the pure state machine in menu.py, worded
in prompts.py; the audio comes from a Library the composition root hands in (media.py); the SIP
stack sits behind sip.py (pyVoIP in pyvoip.py); line.py runs it all, one thread per call.
"""
