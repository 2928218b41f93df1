"""Ultralytics model YAML (yolov8.yaml, yolo11.yaml, ...): counted without torch, scale by scale."""
