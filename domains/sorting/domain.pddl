; Sorting: objects of several colours and shapes go into open bins.
(define (domain sorting)
  (:requirements :strips :typing)
  (:types item bin)
  (:predicates
    (on-table ?o - item)
    (in ?o - item ?b - bin)
    (holding ?o - item)
    (hand-empty))

  (:action pick
    :parameters (?o - item)
    :precondition (and (on-table ?o) (hand-empty))
    :effect (and (holding ?o) (not (on-table ?o)) (not (hand-empty))))

  (:action place
    :parameters (?o - item)
    :precondition (holding ?o)
    :effect (and (on-table ?o) (hand-empty) (not (holding ?o))))

  (:action put-in
    :parameters (?o - item ?b - bin)
    :precondition (holding ?o)
    :effect (and (in ?o ?b) (hand-empty) (not (holding ?o)))))
