"""vlaplan.planner"""
