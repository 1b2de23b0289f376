; Six objects of three colours; each goes into the bin of its colour.
(define (problem colours6)
  (:domain sorting)
  (:objects red_cube_1 red_cylinder_1 green_cube_1 green_box_1 blue_cube_1 blue_cylinder_1 - item
            red_bin green_bin blue_bin - bin)
  (:init (hand-empty)
         (on-table red_cube_1) (on-table red_cylinder_1) (on-table green_cube_1)
         (on-table green_box_1) (on-table blue_cube_1) (on-table blue_cylinder_1))
  (:goal (and (in red_cube_1 red_bin) (in red_cylinder_1 red_bin)
              (in green_cube_1 green_bin) (in green_box_1 green_bin)
              (in blue_cube_1 blue_bin) (in blue_cylinder_1 blue_bin))))
