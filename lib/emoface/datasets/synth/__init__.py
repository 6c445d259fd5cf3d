"""SynthFaces: procedurally drawn faces, one identity in all seven expressions.

The StarGAN lessons need a face set that ships with the repository, trains in minutes on a
laptop and can be *graded*. Real sets (MUG, which the paper uses) cannot be redistributed, and
a real set has no ground truth for a translation: nobody photographed that exact person, in that
exact light, with the other expression. SynthFaces is a stylised, FERG-like set drawn with OpenCV
in which the *identity* (face shape, skin, hair, glasses, beard, background, pose, light) is a
frozen record and the *expression* is a separate, small table of geometry. Drawing one identity in
two expressions changes only the pixels of the brows, eyes, nose, cheeks and mouth, so every
``anger -> happiness`` translation the GAN makes can be compared with the true happy face.

The expressions are told apart by the geometry a person reads, grounded in the action units
(AUs) of the Facial Action Coding System (Ekman & Friesen), never by colour codes: see
:data:`EXPRESSION_SHAPES`, the one table that defines them.

Two renderers share the drawing code:

* :func:`draw_face` gives the 128x128 training crop, framed like a Haar-cascade detection with a
  small margin (what the real pipeline feeds the GAN);
* :func:`draw_scene` gives a 640x480 "video frame" (face, neck, shoulders, plain wall) in which
  OpenCV's stock Haar cascade finds the face, so the detection lesson also runs offline.

Everything is drawn at 2x (or more) with anti-aliased primitives and shrunk with ``INTER_AREA``;
a soft light map (a directional gradient, head roundness, socket and nose shadows) keeps the
faces from looking like flat cartoons. Only numpy and OpenCV are used.

The package, by what each module draws or holds:

* ``expressions`` — the one table of expression geometry; ``identity`` — the person and the shot;
* ``canvas`` — face units, colours, the facial layout and the drawing primitives;
* ``head`` (wall, body, ears, head, hair), ``accessories`` (beard, glasses) — the identity's parts;
* ``eyes`` (forehead, lids, brows), ``nose``, ``mouth`` (lips, teeth, cheeks' folds) — what moves;
* ``light`` — shading that depends on the identity only; ``render`` — both renderers and
  :class:`SynthFaces`;
* ``mug_folder`` — SynthFaces written as a MUG-shaped folder tree (imported on its own).

Taught in ``01_datasets.ipynb``; the StarGAN lessons train on it.
"""

from __future__ import annotations

from .canvas import FACE_BOX
from .expressions import EXPRESSION_SHAPES, ExpressionShape
from .identity import HAIR_STYLES, Identity, random_identity
from .render import EXPRESSION_LINE_PARTS, WRINKLE_PARTS, SynthFaces, draw_face, draw_scene, expression_lines

__all__ = [
    "EXPRESSION_LINE_PARTS",
    "EXPRESSION_SHAPES",
    "ExpressionShape",
    "FACE_BOX",
    "HAIR_STYLES",
    "Identity",
    "SynthFaces",
    "WRINKLE_PARTS",
    "draw_face",
    "draw_scene",
    "expression_lines",
    "random_identity",
]
