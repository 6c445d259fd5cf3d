"""The face half of the paper: data sets, Haar extraction, equalisation, tunedMUG, the torch Dataset."""
