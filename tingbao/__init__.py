"""tingbao (听报): a community newspaper as feeds, Mandarin audio, accessible pages and a bot."""

__version__ = "0.1.0"
