"""The composition root: builds dependencies from settings and runs cycles."""
