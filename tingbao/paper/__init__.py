"""What an issue is: model, readers, clean-up, segmentation, store and settings.

This part imports none of the others; every other part imports it.
"""
