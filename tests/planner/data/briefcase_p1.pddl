(define (problem briefcase-1)
  (:domain briefcase)
  (:objects home office bank - location
            paycheck dictionary - portable)
  (:init (at briefcase home) (at paycheck home) (at dictionary office) (in paycheck))
  (:goal (and (at briefcase home) (at dictionary home) (at paycheck bank)
              (not (in dictionary)))))
