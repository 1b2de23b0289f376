; Briefcase world: moving the briefcase moves what is in it (forall + when).
(define (domain briefcase)
  (:requirements :typing :conditional-effects :negative-preconditions :equality)
  (:types portable location)
  (:constants briefcase - portable)
  (:predicates (at ?y - portable ?x - location)
               (in ?x - portable))
  (:action move
    :parameters (?m ?l - location)
    :precondition (and (at briefcase ?m) (not (= ?m ?l)))
    :effect (and (at briefcase ?l) (not (at briefcase ?m))
                 (forall (?x - portable)
                   (when (and (in ?x) (not (= ?x briefcase)))
                         (and (at ?x ?l) (not (at ?x ?m)))))))
  (:action take-out
    :parameters (?x - portable)
    :precondition (and (in ?x) (not (= ?x briefcase)))
    :effect (not (in ?x)))
  (:action put-in
    :parameters (?x - portable ?l - location)
    :precondition (and (not (in ?x)) (at ?x ?l) (at briefcase ?l) (not (= ?x briefcase)))
    :effect (in ?x)))
