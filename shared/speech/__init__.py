"""Offline speech synthesis shared by the hotline and the kiosk's read-aloud."""
