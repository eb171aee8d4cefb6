"""Plumes: segmentation of enhancement maps into plume objects, and their emission rates."""
