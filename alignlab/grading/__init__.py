"""The challenges' grading: TRL reference computations for hidden tests, the registry of challenges, and the
learner's offline self-check (`alignlab grade`) around nbgrader."""
