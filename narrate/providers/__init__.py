"""Text-to-speech providers behind one small interface (see base.py)."""
