"""Outside judges of an edited face, trained by other people on other data.

``fer`` (is it the target expression? the FER2013 mini-Xception) and ``identity`` (is it still the
same person? dlib's face embedding; also whether a face looks like a SynthFaces drawing, which
``engine="auto"`` of :mod:`emoface.pipeline` asks). Used by :mod:`emoface.real_eval` and
``06_real_photos.ipynb``.
"""
