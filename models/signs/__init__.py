"""Learned sign motion: a transformer from HamNoSys symbols to 2D landmark sequences.

Trained in torch (train.py) on a corpus animated by the procedural animator (corpus.py) or on
`.pose` recordings (pose_corpus.py); shipped and run as ONNX (export.py, generator.py).
"""
