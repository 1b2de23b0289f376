; The green box is in the closed drawer: take it out, put the red cube in instead, close it.
(define (problem swap)
  (:domain kitchen)
  (:objects red_cube_1 green_box_1 - item
            drawer - drawer)
  (:init (hand-empty) (closed drawer)
         (on-table red_cube_1) (in green_box_1 drawer))
  (:goal (and (on-table green_box_1) (in red_cube_1 drawer) (closed drawer))))
