"""Missing episodes: children missing from home, care or education, and return interviews."""
