"""Feedback for the user: skeleton drawing, overlay, speech and beeps."""
