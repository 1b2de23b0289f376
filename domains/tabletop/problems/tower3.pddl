; Three blocks on the table; build the tower red_1 on green_1 on blue_1.
(define (problem tower3)
  (:domain tabletop)
  (:objects red_1 green_1 blue_1 - block)
  (:init (hand-empty)
         (on-table red_1) (on-table green_1) (on-table blue_1)
         (clear red_1) (clear green_1) (clear blue_1))
  (:goal (and (on red_1 green_1) (on green_1 blue_1))))
