from scenes.pose_space.scene import PoseSpaceScene

__all__ = ["PoseSpaceScene"]
