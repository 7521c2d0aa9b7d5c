"""Server-rendered pages: the front page and the screening board."""
