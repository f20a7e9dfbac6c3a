"""Telephone audio and speech: µ-law, endpointing, recognition, prompt audio and playback."""
