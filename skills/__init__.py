"""vlaplan.skills"""
