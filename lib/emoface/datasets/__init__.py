"""The face data sets: read what is on disk (MUG, FER2013, CelebA, packaged photos) or draw it (SynthFaces).

``mug``, ``fer2013``, ``celeba`` and ``real_photos`` read the real sets; ``synth`` draws SynthFaces,
and ``synth.mug_folder`` writes them as a MUG-shaped tree; ``tunedmug`` builds the paper's tunedMUG
(§3.2) with :mod:`emoface.faces`; ``sources`` picks the set a lesson trains on; ``face_folder`` is
the torch ``Dataset`` the StarGAN reads. Taught in ``01_datasets.ipynb`` and ``02_tunedmug.ipynb``.
"""
