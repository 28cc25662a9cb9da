"""PCM in memory, resampling, levels, and encoders."""
