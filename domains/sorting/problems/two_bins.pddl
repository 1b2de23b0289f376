; Cubes to the red bin, cylinders to the blue bin; the green bin stays empty.
(define (problem two-bins)
  (:domain sorting)
  (:objects red_cube_1 blue_cube_1 yellow_cylinder_1 - item
            red_bin green_bin blue_bin - bin)
  (:init (hand-empty) (on-table red_cube_1) (on-table blue_cube_1) (on-table yellow_cylinder_1))
  (:goal (and (in red_cube_1 red_bin) (in blue_cube_1 red_bin) (in yellow_cylinder_1 blue_bin))))
