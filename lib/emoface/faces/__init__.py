"""Faces in a photo: find them (Haar cascade, dlib's 68 landmarks), crop, equalise, paste back.

``detect`` (the paper's §3.2.1 Haar crop), ``landmarks`` (dlib), ``find`` (every face once, rolled
heads too), ``equalize`` (§3.2.2) and ``paste`` (an edited crop back into the whole photo). Data
sets live in :mod:`emoface.datasets`, the editing in :mod:`emoface.engines`.
"""
