"""The learned post classifier: features (features.py), training (train.py), the shipped model file and its card."""
