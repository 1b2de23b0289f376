"""vlaplan: long-horizon manipulation with a PDDL planner over VLA skills."""
__version__ = "0.1.0"
