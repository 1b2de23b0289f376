"""vlaplan.world_model"""
