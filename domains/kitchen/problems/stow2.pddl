; Put the red cube and the blue cylinder in the (closed) drawer, then close it.
(define (problem stow2)
  (:domain kitchen)
  (:objects red_cube_1 blue_cylinder_1 green_box_1 - item
            drawer - drawer)
  (:init (hand-empty) (closed drawer)
         (on-table red_cube_1) (on-table blue_cylinder_1) (on-table green_box_1))
  (:goal (and (in red_cube_1 drawer) (in blue_cylinder_1 drawer) (closed drawer))))
