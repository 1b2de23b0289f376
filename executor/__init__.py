"""vlaplan.executor"""
