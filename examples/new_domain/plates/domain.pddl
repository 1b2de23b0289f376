; Plates: cubes go onto flat plates (one cube per plate); nothing goes on a cube.
(define (domain plates)
  (:requirements :strips :typing)
  (:types cube plate - piece)
  (:predicates
    (on ?x - cube ?y - plate)
    (on-table ?x - piece)
    (clear ?x - piece)
    (holding ?x - cube)
    (hand-empty))

  (:action pick
    :parameters (?x - cube)
    :precondition (and (clear ?x) (on-table ?x) (hand-empty))
    :effect (and (holding ?x) (not (clear ?x)) (not (on-table ?x)) (not (hand-empty))))

  (:action place
    :parameters (?x - cube)
    :precondition (holding ?x)
    :effect (and (on-table ?x) (clear ?x) (hand-empty) (not (holding ?x))))

  (:action stack
    :parameters (?x - cube ?y - plate)
    :precondition (and (holding ?x) (clear ?y))
    :effect (and (on ?x ?y) (clear ?x) (hand-empty) (not (holding ?x)) (not (clear ?y))))

  (:action unstack
    :parameters (?x - cube ?y - plate)
    :precondition (and (on ?x ?y) (clear ?x) (hand-empty))
    :effect (and (holding ?x) (clear ?y) (not (on ?x ?y)) (not (clear ?x)) (not (hand-empty)))))
