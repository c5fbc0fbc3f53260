"""Value types shared by every package. Pure: no IO, no clock reads."""
