; Rooms with light switches: disjunctive, universal, existential and implied preconditions.
(define (domain switches)
  (:requirements :typing :negative-preconditions :disjunctive-preconditions
                 :existential-preconditions :universal-preconditions :equality)
  (:types room switch)
  (:predicates (on ?s - switch) (in ?s - switch ?r - room) (at ?r - room)
               (door ?a - room ?b - room) (dark ?r - room) (visited ?r - room))
  (:action move
    :parameters (?a - room ?b - room)
    :precondition (and (at ?a) (or (door ?a ?b) (door ?b ?a)) (not (= ?a ?b)))
    :effect (and (at ?b) (not (at ?a)) (visited ?b)))
  (:action flip-on
    :parameters (?s - switch ?r - room)
    :precondition (and (at ?r) (in ?s ?r) (not (on ?s)))
    :effect (on ?s))
  (:action flip-off
    :parameters (?s - switch ?r - room)
    :precondition (and (at ?r) (in ?s ?r) (on ?s))
    :effect (not (on ?s)))
  (:action mark-dark
    :parameters (?r - room)
    :precondition (and (at ?r)
                       (forall (?s - switch) (imply (in ?s ?r) (not (on ?s))))
                       (exists (?s - switch) (in ?s ?r)))
    :effect (dark ?r)))
