"""Text to speech: reading aloud normalization, engines (edge-tts, offline espeak-ng), assembly.

The worker calls `engines.make_synthesizers(settings.audio)` and
`service.AudioService(...).render_issue(issue)`; the settings (audio/settings.py) are loaded once
by the worker. Nothing is imported here, so importing one module of this part (a spawned offline
worker imports audio/offline.py; every command reads the settings) loads only what it needs.
"""
