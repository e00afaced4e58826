"""Posture classifier: an MLP over joint angles and normalised landmarks, trained on the body model."""
