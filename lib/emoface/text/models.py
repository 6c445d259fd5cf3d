"""The two text classifiers of the paper's Table 2: a plain RNN and an LSTM of the same size.

§3.1 and §4.1: words are embedded with GloVe (50 dimensions), a recurrent network reads the
sequence, and a softmax layer gives the emotion. The paper does not give sizes; ours are
constructor arguments. The two models differ **only** in the recurrent cell, so Table 2 compares
cells, not capacities:

    tokens (B, T) ─► Embedding (GloVe-initialised) ─► RNN | LSTM ─► last hidden state (B, H)
                 ─► dropout ─► Linear (H → classes) ─► logits (B, C)

``pooling="mean_max"`` replaces the last hidden state with the mean and the maximum of the outputs
over all words, which lets a single strong word anywhere in a long text count (an option we
measured for Table 2; see docs/text.md).

Sequences are packed, so padding never reaches the cell and the "last" state is the last *word*'s.

Taught in ``03_text_lstm.ipynb``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CellKind = Literal["rnn", "lstm"]
Pooling = Literal["last", "mean_max"]


class TextClassifier(nn.Module):
    """Embedding → recurrent cell → linear, for ``n_classes`` emotions."""

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        kind: CellKind = "lstm",
        embed_dim: int = 50,
        hidden: int = 128,
        layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.3,
        freeze_embeddings: bool = False,
        pooling: Pooling = "last",
    ) -> None:
        super().__init__()
        if kind not in ("rnn", "lstm"):
            raise ValueError(f"kind must be 'rnn' or 'lstm', not {kind!r}")
        if pooling not in ("last", "mean_max"):
            raise ValueError(f"pooling must be 'last' or 'mean_max', not {pooling!r}")
        self.kind = kind
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.embedding.weight.requires_grad = not freeze_embeddings
        cell = nn.LSTM if kind == "lstm" else nn.RNN
        self.rnn = cell(embed_dim, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional,
                        dropout=dropout if layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        features = hidden * (2 if bidirectional else 1) * (2 if pooling == "mean_max" else 1)
        self.head = nn.Linear(features, n_classes)

    def load_embeddings(self, matrix: np.ndarray) -> None:
        """Start from GloVe: ``matrix`` is ``(vocab_size, embed_dim)``."""
        if tuple(matrix.shape) != tuple(self.embedding.weight.shape):
            raise ValueError(f"embedding matrix {matrix.shape} does not fit {tuple(self.embedding.weight.shape)}")
        with torch.no_grad():
            self.embedding.weight.copy_(torch.from_numpy(matrix))

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``tokens`` (B, T) int64 padded with 0, ``lengths`` (B,) ≥ 1 → logits (B, C)."""
        return self.forward_embedded(self.embedding(tokens), lengths)

    def forward_embedded(self, embedded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Word vectors (B, T, E) already looked up, ``lengths`` (B,) → logits (B, C).

        The classifier uses it to give a word outside the training vocabulary its own frozen GloVe
        vector (:mod:`emoface.text.classify`).
        """
        embedded = self.dropout(embedded)                                     # (B, T, E)
        packed = pack_padded_sequence(embedded, lengths.cpu().clamp(min=1), batch_first=True, enforce_sorted=False)
        outputs, state = self.rnn(packed)
        if self.pooling == "mean_max":
            return self.head(self.dropout(_mean_max(outputs, lengths)))
        hidden = state[0] if self.kind == "lstm" else state                   # (layers·dirs, B, H)
        if self.rnn.bidirectional:
            last = torch.cat([hidden[-2], hidden[-1]], dim=1)                 # forward and backward: (B, 2H)
        else:
            last = hidden[-1]                                                 # (B, H)
        return self.head(self.dropout(last))                                  # (B, C)


def _mean_max(packed_outputs, lengths: torch.Tensor) -> torch.Tensor:
    """Mean and max of the per-word outputs over the real (unpadded) words: (B, 2·H·dirs)."""
    outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True)      # (B, T, H·dirs)
    mask = torch.arange(outputs.size(1))[None, :] < lengths.cpu().clamp(min=1)[:, None]
    mask = mask.to(outputs.device).unsqueeze(-1)                            # (B, T, 1)
    mean = (outputs * mask).sum(1) / mask.sum(1)
    peak = outputs.masked_fill(~mask, float("-inf")).max(1).values
    return torch.cat([mean, peak], dim=1)
