; d stands on a; the goal asks for a somewhere above b and b somewhere above c.
; Optimal: 6 steps.
(define (problem derived-blocks-p1)
  (:domain derived-blocks)
  (:objects a b c d - block)
  (:init (on d a) (ontable a) (ontable b) (ontable c) (handempty))
  (:goal (and (above a b) (above b c))))
