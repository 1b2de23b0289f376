; Kitchen: a drawer cabinet and small objects on a table.
(define (domain kitchen)
  (:requirements :strips :typing)
  (:types item container - object
          drawer - container)
  (:predicates
    (on-table ?o - item)
    (in ?o - item ?c - container)
    (holding ?o - item)
    (hand-empty)
    (open ?d - drawer)
    (closed ?d - drawer))

  (:action open
    :parameters (?d - drawer)
    :precondition (and (closed ?d) (hand-empty))
    :effect (and (open ?d) (not (closed ?d))))

  (:action close
    :parameters (?d - drawer)
    :precondition (and (open ?d) (hand-empty))
    :effect (and (closed ?d) (not (open ?d))))

  (:action pick
    :parameters (?o - item)
    :precondition (and (on-table ?o) (hand-empty))
    :effect (and (holding ?o) (not (on-table ?o)) (not (hand-empty))))

  (:action place
    :parameters (?o - item)
    :precondition (holding ?o)
    :effect (and (on-table ?o) (hand-empty) (not (holding ?o))))

  (:action put-in
    :parameters (?o - item ?d - drawer)
    :precondition (and (holding ?o) (open ?d))
    :effect (and (in ?o ?d) (hand-empty) (not (holding ?o))))

  (:action take-out
    :parameters (?o - item ?d - drawer)
    :precondition (and (in ?o ?d) (open ?d) (hand-empty))
    :effect (and (holding ?o) (not (in ?o ?d)) (not (hand-empty)))))
