"""vlaplan.domains"""
