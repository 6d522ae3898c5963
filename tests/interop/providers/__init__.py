"""OAuth providers run on 127.0.0.1 by the interop fixtures, each in its own process."""
