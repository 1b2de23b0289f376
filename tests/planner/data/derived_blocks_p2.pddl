; The tower a-b-c turned over so that c is above a, with b uncovered at the end
; (a negated derived goal).  Optimal: 6 steps.
(define (problem derived-blocks-p2)
  (:domain derived-blocks)
  (:objects a b c - block)
  (:init (on a b) (on b c) (ontable c) (handempty))
  (:goal (and (above c a) (not (covered b)))))
