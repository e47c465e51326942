"""Digital tools inside lessons (the checklist self-assessment): saved copies, the lesson form's state and the
counts a course report shows."""
