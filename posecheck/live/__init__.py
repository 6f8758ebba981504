"""The live coaching app (``posecheck live``): camera → pose → engine → overlay, speech, history."""
