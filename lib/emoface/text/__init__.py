"""The text half of the paper: corpora, preprocessing, GloVe, RNN/LSTM classifiers, training."""
