"""The data sets the paper surveys (§2.1.2, §2.2), as data: one table the lesson renders.

The paper describes each face set in prose and gives no numbers for most; we collect the facts a
student needs to choose one — size, people, labels, resolution, licence and how to get it — from
each set's own publication and homepage. Figures are as those sources state them (checked
2026-11); access terms change, so the homepage is the authority.

Taught in ``01_datasets.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class DatasetFacts:
    """One row of the survey."""

    name: str
    kind: str
    images: str
    subjects: str
    labels: str
    resolution: str
    access: str
    how_to_get: str
    in_emoface: str


FACE_DATASETS: tuple[DatasetFacts, ...] = (
    DatasetFacts(
        "MUG (Aifanti et al., 2010)", "faces, posed video",
        "~1,460 sequences of 50–160 frames", "86 (35 f, 51 m)", "6 basic expressions + neutral",
        "896×896", "on request; research-only licence", "https://mug.ee.auth.gr/fed/",
        "`datasets.mug` reads `subjects3/` from `$EMOFACE_DATA/mug`; the paper's choice",
    ),
    DatasetFacts(
        "CelebA (Liu et al., 2015)", "faces, in the wild",
        "202,599", "10,177", "40 binary attributes (Smiling, Mouth_Slightly_Open…), no emotions",
        "178×218 aligned", "non-commercial research", "torchvision / Google Drive, or the MMLab page",
        "`datasets.celeba` (full profile); the official StarGAN's set",
    ),
    DatasetFacts(
        "FERG-DB (Aneja et al., 2016)", "stylised cartoon characters",
        "55,767", "6 characters", "6 basic expressions + neutral",
        "256×256", "request form; non-commercial research", "grail.cs.washington.edu/projects/deepexpr/ferg-db.html",
        "SynthFaces is our own FERG-like set, drawn, not downloaded",
    ),
    DatasetFacts(
        "Oulu-CASIA NIR&VIS (Zhao et al., 2011)", "faces, posed video, NIR + visible",
        "2,880 sequences (480 per camera × light)", "80", "6 basic expressions (sequences start neutral)",
        "320×240", "licence request to the University of Oulu", "University of Oulu, CMVS",
        "any labelled folder via `datasets.mug.scan_labelled_folder`",
    ),
    DatasetFacts(
        "AffectNet (Mollahosseini et al., 2017)", "faces, in the wild (web search)",
        "~1,000,000 (~440k hand-labelled)", "not given", "8 categories + valence/arousal",
        "varied", "academic request; research-only licence", "mohammadmahoor.com/affectnet",
        "any labelled folder via `datasets.mug.scan_labelled_folder`",
    ),
)

TEXT_DATASETS: tuple[DatasetFacts, ...] = (
    DatasetFacts(
        "ISEAR (Scherer & Wallbott, 1994)", "text: situations people recalled",
        "7,666 rows (7,503 distinct)", "~3,000 respondents, 37 countries",
        "joy, fear, anger, sadness, disgust, shame, guilt", "1–3 sentences",
        "research use (Swiss Center for Affective Sciences)", "public mirror on GitHub (py_isear_dataset)",
        "the paper's real corpus (its Table 1), though it calls it EmoBank",
    ),
    DatasetFacts(
        "EmoBank (Buechel & Hahn, 2017)", "text: sentences from news, blogs, fiction, letters",
        "10,062", "n/a", "valence, arousal, dominance (1–5), no categories", "1 sentence",
        "CC-BY-SA 4.0", "github.com/JULIELab/EmoBank",
        "what the paper names; it cannot give the paper's 7 classes",
    ),
    DatasetFacts(
        "emoface posts (this repository)", "text: blog / social-media posts",
        "see `assets/posts.csv`", "n/a", "ISEAR's 7 + surprise + neutral", "1–3 sentences",
        "CC0", "ships with the package", "the offline default; lets every face expression be reached",
    ),
)


def markdown_table(rows: tuple[DatasetFacts, ...]) -> str:
    """The rows as a Markdown table (for ``IPython.display.Markdown`` and the README)."""
    names = [f.name for f in fields(DatasetFacts)]
    header = "| " + " | ".join(n.replace("_", " ") for n in names) + " |"
    rule = "|" + "---|" * len(names)
    body = ["| " + " | ".join(getattr(row, n).replace("|", "/") for n in names) + " |" for row in rows]
    return "\n".join([header, rule, *body])
